#include "engine/feed/feed_file.hpp"

#include <stdexcept>

namespace sandtable {

std::shared_ptr<FeedPipeline> loadFeedFileAsOf(const std::string& path, TimeMs at, FeedConfig config) {
    PipelineOptions po;
    po.now = [at] { return at; };
    auto feed = std::make_shared<FeedPipeline>(std::move(config), po);
    std::string err;
    if (!feed->ingestFile(path, at, &err)) throw std::runtime_error(err);
    feed->publish();
    return feed;
}

}  // namespace sandtable
