"""Operations: heartbeats, health checks (`reach doctor`), metrics and logging."""
