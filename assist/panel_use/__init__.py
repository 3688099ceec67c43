"""Panel use: how long the side panel was in view during each contact, and which context card sections and
knowledge articles the agent opened; captured over the stream, reported per agent and team."""
