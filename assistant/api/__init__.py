"""The HTTP service: thin routes over the services, built by `create_app(settings)`."""
