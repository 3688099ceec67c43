"""Who is calling: people carry signed bearer tokens (agent id + role); machines carry API keys."""
