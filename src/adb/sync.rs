//! The sync sub-protocol (`sync:`): request parsing from a byte stream and response encoding.
