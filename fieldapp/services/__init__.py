"""Use cases the screens call."""
