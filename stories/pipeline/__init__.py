from .runner import MAX_ATTEMPTS, run

__all__ = ["MAX_ATTEMPTS", "run"]
