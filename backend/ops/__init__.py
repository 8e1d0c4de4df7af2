"""Operations: what runs the service rather than the product (health, Prometheus metrics, account and demo
set-up commands). The top layer: it may use every app; nothing imports it but the URLs."""
