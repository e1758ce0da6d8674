"""Pictures of the analytics' results (matplotlib, rendered off-screen): cascade trees, growth
curves, the region map. Presentation, used by the transports (the API's picture routes, the
web app, the CLI); the analytics they draw stay pure in :mod:`graph_service.analytics`."""
