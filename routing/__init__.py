"""Skill-based routing: pure decisions (``engine``, ``index``), Redis state (``state``), the service
and its REST router (``service``, ``api``). See docs/routing.md."""
