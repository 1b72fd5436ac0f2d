#pragma once
// The feed health panel: messages/s, accepted, rejected by reason (with the latest
// samples), last message time, officers live and stale, and each transport's connection
// state with its last error.
#include "engine/feed/pipeline.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

// The feed's and the history store's health in the panel. `now` is the frame's data time
// (officers live or silent, the newest message's age: an accelerated simulation runs
// ahead of the wall clock), `wallNow` the wall clock (ages of errors and notices).
void drawFeedHealth(const FeedSnapshot& snap, TimeMs now, TimeMs wallNow, Language lang);

}  // namespace sandtable
