"""What happened, as small messages on broker channels, published only after commit."""
