"""API representations, one module per resource (as ``api/views/``). Serializers parse and
present; they never write: views call the services."""
