"""Messages that leave the software: the transactional outbox, its channels and its worker."""
