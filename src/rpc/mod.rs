//! MessagePack-RPC with m4-proxy's semantics: the codec, a client that classifies every
//! outcome, and a server.
