//! What the desk tells those who act on conversations once a buyer's or an agent's message is
//! committed and announced: the live router (a buyer is waiting), the robot (a buyer wrote to
//! a conversation it serves), and the automatic replies (WB-2). A hook runs on the writer's
//! announcing task, in commit order, so it only hands work to its own task and never waits.

use std::sync::Arc;

use kefu_domain::conversation::ConversationSummary;
use kefu_domain::message::{Message, SenderKind};

use crate::desk::automation::AutomationDesk;
use crate::desk::dispatch::Dispatcher;
use crate::desk::robot::RobotDesk;

/// A committed message, as every hook sees it.
pub struct Committed<'a> {
    pub conversation: &'a ConversationSummary,
    pub message: &'a Message,
    /// The message reopened a resolved conversation.
    pub reopened: bool,
}

pub trait MessageHook: Send + Sync {
    fn committed(&self, committed: &Committed<'_>);
}

/// The hooks, in the order they are told.
#[derive(Clone)]
pub struct Hooks(Arc<[Arc<dyn MessageHook>]>);

impl Hooks {
    pub fn new(hooks: Vec<Arc<dyn MessageHook>>) -> Hooks {
        Hooks(hooks.into())
    }

    /// The desk's own: the router, the robot, then the automatic replies.
    pub fn of_the_desk(
        dispatcher: &Dispatcher,
        robot: &RobotDesk,
        automation: &AutomationDesk,
    ) -> Hooks {
        Hooks::new(vec![
            Arc::new(dispatcher.clone()),
            Arc::new(robot.clone()),
            Arc::new(automation.clone()),
        ])
    }

    /// These hooks and then `hook` (one from outside the desk, such as the work orders').
    pub fn with(self, hook: Arc<dyn MessageHook>) -> Hooks {
        let mut all = self.0.to_vec();
        all.push(hook);
        Hooks(all.into())
    }

    pub fn tell(&self, committed: &Committed<'_>) {
        for hook in self.0.iter() {
            hook.committed(committed);
        }
    }
}

/// A buyer waiting for someone: the router may assign now and tells them their place (WB-4).
impl MessageHook for Dispatcher {
    fn committed(&self, c: &Committed<'_>) {
        if c.message.sender_kind == SenderKind::Buyer && c.conversation.assignee_id.is_none() {
            self.retell(c.conversation.id);
        }
    }
}

/// The robot reads a buyer's message after everyone saw it (BOT-3).
impl MessageHook for RobotDesk {
    fn committed(&self, c: &Committed<'_>) {
        if c.message.sender_kind == SenderKind::Buyer {
            self.consider(c.conversation, c.message, c.reopened);
        }
    }
}
