"""What the panel reads beside the stream: knowledge articles' bodies, and plain words for catalog ids."""
