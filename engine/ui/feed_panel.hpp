#pragma once
// The feed health panel: messages/s, accepted, rejected by reason (with the latest
// samples), last message time, officers live and stale, and each transport's connection
// state with its last error.
#include "engine/feed/pipeline.hpp"
#include "engine/render/layer.hpp"

namespace sandtable {

void drawFeedHealth(const FeedSnapshot& snap, TimeMs now, Language lang);

}  // namespace sandtable
