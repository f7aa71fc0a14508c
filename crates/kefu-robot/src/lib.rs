//! The FAQ robot (BOT-1 … BOT-7): a pure crate, no IO. Being built for issue #6.
