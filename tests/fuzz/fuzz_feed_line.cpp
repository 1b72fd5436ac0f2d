// Fuzz target: the live feed's line parser (engine/feed/protocol.*) and the officer state
// it feeds (engine/feed/feed_state.*). The input is a stream of lines, as a transport
// hands them over; every line must end as one counted outcome, never a crash.
#include <cstdint>
#include <numeric>
#include <string_view>

#include "engine/feed/feed_state.hpp"
#include "engine/feed/protocol.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace sandtable;

namespace {
constexpr TimeMs kNow = 1732089600000;  // 2024-11-20T16:00:00+08:00, after the corpus lines
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const FeedConfig config;
    static FeedParser parser(config);
    FeedConfig small;
    small.maxOfficers = 64;  // the limit is reachable by a fuzzer's input
    small.maxCheckins = 16;
    small.maxIncidents = 16;
    small.trackChunkPoints = 4;
    FeedState state(small);

    std::string_view in = fuzz::asText(data, size);
    uint64_t lineNo = 0, nonEmpty = 0;
    while (!in.empty()) {
        const size_t nl = in.find('\n');
        const std::string_view line = in.substr(0, nl);
        in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
        FeedMessage msg;
        const ParseResult r = parser.parse(line, kNow, msg);
        if (r.ok == (r.reason != RejectReason::Count)) fuzz::bug("ok and reason disagree");
        TimeMs t = 0;
        (void)parser.peekTime(line, t);
        const IngestOutcome o = state.ingestLine(line, "fuzz", ++lineNo, kNow);
        if (o != IngestOutcome::Empty) ++nonEmpty;
    }
    const FeedCounters& c = state.counters();
    const uint64_t byReason = std::accumulate(c.rejectedBy.begin(), c.rejectedBy.end(), uint64_t{0});
    if (byReason != c.rejected) fuzz::bug("rejections by reason do not add up");
    if (c.lines != nonEmpty) fuzz::bug("line count differs from the lines given");
    if (state.officers().size() > small.maxOfficers) fuzz::bug("more officers than maxOfficers");
    return 0;
}
