"""The schema, the store and the settings: the bottom layer that tasks and flows build on."""
