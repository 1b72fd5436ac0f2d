#pragma once
// A recorded feed (NDJSON, the feed protocol) as of a time: every line with t <= T applied
// in file order, T being "now" for the future-time check and for staleness. What the
// headless renderer, the golden tests and the tiled-render test draw.
#include <memory>
#include <string>

#include "engine/feed/pipeline.hpp"

namespace sandtable {

// Throws std::runtime_error naming the file when it cannot be read.
std::shared_ptr<FeedPipeline> loadFeedFileAsOf(const std::string& path, TimeMs at, FeedConfig config = {});

}  // namespace sandtable
