"""THE authorization layer: who may see and do what. Nothing outside it decides."""
