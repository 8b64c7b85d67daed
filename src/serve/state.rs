//! What the HTTP side and the rebuild side of `digest serve` share: the last
//! good site with the current build problems, the channel that pushes
//! [`Message`]s to open tabs, and the stop signal.

use std::sync::{Arc, RwLock};

use tokio::sync::{broadcast, watch};

use super::reload::{Message, Problem};
use super::site::Site;

/// The site as served right now.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The last good build (empty until the first build succeeds).
    pub site: Site,
    /// False until a build has succeeded once.
    pub built: bool,
    /// Bumped on every build that changed the site.
    pub generation: u64,
    /// The problems of the last build; empty when it succeeded.
    pub problems: Vec<Problem>,
}

/// Shared between the HTTP handlers and the rebuild thread.
#[derive(Debug)]
pub struct State {
    snapshot: RwLock<Arc<Snapshot>>,
    /// The URL the pages were built for (their absolute links start with
    /// it), e.g. `http://127.0.0.1:1111/`; empty when unknown.
    site_url: String,
    messages: broadcast::Sender<Message>,
    stopping: watch::Sender<bool>,
}

impl State {
    /// State serving `snapshot`.
    pub fn new(snapshot: Snapshot) -> Arc<State> {
        State::for_url(snapshot, String::new())
    }

    /// State serving `snapshot`, whose pages were built for `site_url`.
    pub fn for_url(snapshot: Snapshot, site_url: String) -> Arc<State> {
        // Messages are small and tabs read them at once; a tab that falls
        // 64 behind is told to reload, which catches it up.
        let (messages, _) = broadcast::channel(64);
        let (stopping, _) = watch::channel(false);
        Arc::new(State {
            snapshot: RwLock::new(Arc::new(snapshot)),
            site_url,
            messages,
            stopping,
        })
    }

    /// The site as served right now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock only means a writer panicked after the swap; the
        // snapshot inside is still a whole one.
        let guard = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&guard)
    }

    /// The URL the pages were built for; empty when unknown.
    pub fn site_url(&self) -> &str {
        &self.site_url
    }

    /// The current snapshot and a receiver for every message sent after it,
    /// taken together so a tab never misses the build between the two.
    pub fn subscribe(&self) -> (Arc<Snapshot>, broadcast::Receiver<Message>) {
        let guard = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        let receiver = self.messages.subscribe();
        (Arc::clone(&guard), receiver)
    }

    /// Keeps serving the last good site, records `problems` and tells open
    /// tabs to show them in the overlay. The very problems already shown
    /// are not sent again: one save can wake the watcher twice, and the
    /// second build of the same broken file has nothing new to tell.
    pub fn publish_broken(&self, problems: Vec<Problem>) {
        let current = self.snapshot();
        if !problems.is_empty() && current.problems == problems {
            return;
        }
        self.publish(
            Snapshot {
                site: current.site.clone(),
                built: current.built,
                generation: current.generation,
                problems: problems.clone(),
            },
            Some(Message::Broken { problems }),
        );
    }

    /// Serves `snapshot` from now on and tells every tab `message`.
    pub fn publish(&self, snapshot: Snapshot, message: Option<Message>) {
        let mut guard = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        *guard = Arc::new(snapshot);
        if let Some(message) = message {
            // No tab open is not an error.
            let _ = self.messages.send(message);
        }
    }

    /// How many tabs are listening.
    pub fn n_listeners(&self) -> usize {
        self.messages.receiver_count()
    }

    /// Asks the server and every event stream to stop.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// A receiver that turns `true` when the server stops.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscriber_sees_either_the_old_snapshot_and_the_message_or_the_new_one() {
        let state = State::new(Snapshot::default());
        let (before, mut receiver) = state.subscribe();
        assert_eq!(before.generation, 0);
        state.publish(
            Snapshot {
                generation: 1,
                built: true,
                ..Snapshot::default()
            },
            Some(Message::Reload { generation: 1 }),
        );
        assert_eq!(
            receiver.try_recv().ok(),
            Some(Message::Reload { generation: 1 })
        );
        let (after, mut late) = state.subscribe();
        assert_eq!(after.generation, 1);
        assert!(late.try_recv().is_err());
    }

    #[test]
    fn stop_is_seen_by_receivers() {
        let state = State::new(Snapshot::default());
        let stopping = state.stopping();
        assert!(!*stopping.borrow());
        state.stop();
        assert!(*stopping.borrow());
    }
}
