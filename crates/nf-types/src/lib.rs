//! Request and response models of the Northflank API.
