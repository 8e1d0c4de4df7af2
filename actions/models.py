"""The app's models (Django looks for them here); they are the AI package's: prompt templates and AI calls."""

from actions.ai.models import AICall, PromptTemplate

__all__ = ["AICall", "PromptTemplate"]
