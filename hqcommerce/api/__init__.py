"""REST API for POS registers (device keys, one channel each) and back-office scripts."""
