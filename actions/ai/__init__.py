"""The AI package: providers (`providers/`, pure: no Django), the Django-side client that builds the configured
provider and records each call (`client`), and the shared rate limit (`ratelimit`)."""
