"""Pure rules and models of home care: they take `now` and touch no store, key or screen."""
