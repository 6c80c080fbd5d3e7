"""What generated code links against: visitors, dispatch, QMP, migration."""
