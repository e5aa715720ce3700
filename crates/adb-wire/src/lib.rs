//! The ADB wire protocol, shared by the host side (direct transport) and the device side
//! (the virtual X8): transport packets, the sync sub-protocol and the shell v2 framing.

pub mod host;
pub mod packet;
pub mod sync;
