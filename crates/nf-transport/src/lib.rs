//! The tower middleware stack of northflank-rs.
