"""The console's screens, one per file: a view-state class and the function that renders it."""
