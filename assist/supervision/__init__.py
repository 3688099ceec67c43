"""What supervisors run the floor with: approval and help requests from agents, and the live floor view."""
