#include "engine/feed/pipeline.hpp"

#include <algorithm>
#include <fstream>

#include "engine/util/log.hpp"

namespace sandtable {

using namespace std::chrono;

// ---- snapshot helpers ----

std::vector<uint32_t> FeedSnapshot::changedSince(uint64_t since) const {
    std::vector<uint32_t> out;
    if (since >= version) return out;
    for (const OfficerState& o : officers)
        if (o.version > since) out.push_back(o.slot);
    return out;
}

size_t FeedSnapshot::countStale(TimeMs now) const {
    return static_cast<size_t>(std::count_if(officers.begin(), officers.end(),
                                             [&](const OfficerState& o) { return o.stale(now, staleAfterMs); }));
}

const OfficerState* FeedSnapshot::find(std::string_view id) const {
    for (const OfficerState& o : officers)
        if (o.id == id) return &o;
    return nullptr;
}

// ---- per-transport context ----

class FeedPipeline::Context final : public TransportContext {
public:
    Context(FeedPipeline& p, uint32_t index, std::string name) : p_(p), index_(index), name_(std::move(name)) {}

    bool stopRequested() const override { return p_.stopTransports_.load(); }
    bool sleepFor(milliseconds d) override {
        std::unique_lock lk(p_.stopMutex_);
        p_.stopCv_.wait_for(lk, d, [&] { return p_.stopTransports_.load(); });
        return !p_.stopTransports_.load();
    }
    bool pushLine(std::string_view line, uint64_t lineNo, TimeMs shift, bool wait) override {
        // The line is checked against its own source's now, taken as it arrives.
        if (!p_.enqueue(index_, line, lineNo, shift, wait, transport_ ? transport_->now() : wallClockMs()))
            return false;
        lines_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    bool rejectLine(std::string_view bytes, uint64_t lineNo, RejectReason reason, std::string_view detail) override {
        // The detail must outlive the queue: keep it in a small interned set.
        return p_.enqueue(index_, bytes.substr(0, std::min(bytes.size(), p_.config_.maxLineBytes)), lineNo, 0, false, 0,
                          reason, intern(detail));
    }
    void setState(ConnState s, std::string_view detail) override {
        std::string msg;
        bool warn = false;
        {
            std::lock_guard lk(p_.statusMutex_);
            TransportStatus& st = p_.statuses_[index_];
            if (st.state == s && st.detail == detail) return;
            if (st.state != s) {
                st.state = s;
                st.stateSince = wallClockMs();
                if (st.recentStates.size() >= 16) st.recentStates.erase(st.recentStates.begin());
                st.recentStates.push_back(s);
                if (s == ConnState::Connected) ++st.connects;
                if (s == ConnState::Disconnected) ++st.disconnects;
                if (s == ConnState::Retrying) ++st.retries;
            }
            st.detail = std::string(detail);
            msg = "feed " + name_ + ": " + connStateName(s) + (detail.empty() ? "" : " (" + st.detail + ")");
            warn = s == ConnState::Disconnected || s == ConnState::Retrying;
        }
        p_.statusChanged_ = true;
        warn ? log::warn(msg) : log::info(msg);
    }
    void setError(std::string_view error) override {
        {
            std::lock_guard lk(p_.statusMutex_);
            TransportStatus& st = p_.statuses_[index_];
            st.lastError = std::string(error);
            st.lastErrorAt = wallClockMs();
            ++st.errors;
        }
        p_.statusChanged_ = true;
        // State changes carry the error into the log; this one is for the details view.
        log::debug("feed " + name_ + ": " + std::string(error));
    }
    void addBytes(size_t n) override { bytes_.fetch_add(n, std::memory_order_relaxed); }
    size_t maxLineBytes() const override { return p_.config_.maxLineBytes; }
    const Transport* transport_ = nullptr;

    std::atomic<uint64_t> lines_{0}, bytes_{0};

private:
    const char* intern(std::string_view detail) {
        std::lock_guard lk(detailsMutex_);
        for (const auto& d : details_)
            if (*d == detail) return d->c_str();
        if (details_.size() >= 32) return "";  // details are a transport's few fixed texts
        details_.push_back(std::make_unique<std::string>(detail));
        return details_.back()->c_str();
    }
    FeedPipeline& p_;
    uint32_t index_;
    std::string name_;
    std::mutex detailsMutex_;
    std::vector<std::unique_ptr<std::string>> details_;
};

// ---- pipeline ----

FeedPipeline::FeedPipeline(FeedConfig config, PipelineOptions options)
    : config_(std::move(config)), options_(std::move(options)), state_(config_) {
    std::lock_guard lk(stateMutex_);
    state_.setRecordHistory(options_.history && !options_.history->options().readOnly);
    publishLocked();
}

FeedPipeline::~FeedPipeline() { stop(); }

TimeMs FeedPipeline::now() const { return options_.now ? options_.now() : wallClockMs(); }

size_t FeedPipeline::addTransport(std::unique_ptr<Transport> transport) {
    size_t i;
    {
        std::lock_guard lk(statusMutex_);
        i = transports_.size();
        TransportStatus st;
        st.name = transport->name();
        st.kind = transport->kind();
        statuses_.push_back(st);
        contexts_.push_back(std::make_unique<Context>(*this, static_cast<uint32_t>(i), st.name));
        contexts_.back()->transport_ = transport.get();
        transports_.push_back(std::move(transport));
    }
    statusChanged_ = true;
    if (running_) startTransport(i);
    return i;
}

void FeedPipeline::startTransport(size_t i) {
    Transport* t;
    Context* c;
    {
        std::lock_guard lk(statusMutex_);
        t = transports_[i].get();
        c = contexts_[i].get();
    }
    transportThreads_.emplace_back([t, c] {
        t->run(*c);
        // A finished replay keeps saying so; anything else ends as stopped.
        if (!c->stopRequested()) return;
        c->setState(ConnState::Stopped, {});
    });
}

void FeedPipeline::start() {
    if (running_.exchange(true)) return;
    stopTransports_ = false;
    {
        std::lock_guard lk(queueMutex_);
        stopIngest_ = false;
    }
    publish();  // transports show up (Idle) before the first line arrives
    ingestThread_ = std::thread([this] { ingestLoop(); });
    size_t n;
    {
        std::lock_guard lk(statusMutex_);
        n = transports_.size();
    }
    for (size_t i = 0; i < n; ++i) startTransport(i);
}

void FeedPipeline::stop() {
    if (!running_.load()) return;
    {
        std::lock_guard lk(stopMutex_);
        stopTransports_ = true;
    }
    stopCv_.notify_all();
    spaceCv_.notify_all();
    for (auto& t : transportThreads_) t.join();
    transportThreads_.clear();
    // Transports are quiet now: drain what they queued, then end ingest.
    {
        std::lock_guard lk(queueMutex_);
        stopIngest_ = true;
    }
    queueCv_.notify_all();
    ingestThread_.join();
    running_ = false;
}

bool FeedPipeline::enqueue(uint32_t source, std::string_view line, uint64_t lineNo, TimeMs shift, bool wait,
                           TimeMs sourceNow, RejectReason reject, const char* detail) {
    const TimeMs received = wallClockMs();
    bool wake;
    {
        std::unique_lock lk(queueMutex_);
        while (!queue_.empty() && queueBytes_.size() + line.size() > options_.maxQueuedBytes) {
            if (!wait || stopIngest_) {
                overflow_.fetch_add(1);
                return false;
            }
            spaceCv_.wait_for(lk, milliseconds(100));
        }
        queue_.push_back(
            Pending{queueBytes_.size(), line.size(), source, lineNo, shift, received, sourceNow, reject, detail});
        queueBytes_.append(line);
        wake = queue_.size() == 1;
    }
    if (wake) queueCv_.notify_one();
    return true;
}

void FeedPipeline::ingestLoop() {
    std::string bytes;
    std::vector<Pending> items;
    std::vector<std::string> names;
    const auto interval = milliseconds(std::max(1, options_.publishIntervalMs));
    for (;;) {
        bool stopping;
        {
            std::unique_lock lk(queueMutex_);
            queueCv_.wait_for(lk, interval, [&] { return stopIngest_ || !queue_.empty(); });
            stopping = stopIngest_;
            bytes.swap(queueBytes_);
            items.swap(queue_);
        }
        spaceCv_.notify_all();
        const uint64_t dropped = overflow_.exchange(0);
        if (!items.empty() || dropped) {
            {
                std::lock_guard lk(statusMutex_);
                if (names.size() != statuses_.size())
                    for (size_t i = names.size(); i < statuses_.size(); ++i) names.push_back(statuses_[i].name);
            }
            std::lock_guard lk(stateMutex_);
            for (uint64_t i = 0; i < dropped; ++i)
                state_.reject(RejectReason::QueueOverflow, "pipeline", 0, "inbox full", {});
            for (const Pending& p : items) {
                const std::string_view line(bytes.data() + p.offset, p.length);
                if (p.reject != RejectReason::Count)
                    state_.rejectLine(p.reject, names[p.source], p.lineNo, p.detail, line);
                else
                    state_.ingestLine(line, names[p.source], p.lineNo, p.sourceNow, kNoCutoff, p.shift, p.receivedAt);
            }
            countRate(items.size());
            sendHistoryLocked();
            dirty_ = true;
        }
        linesSinceTrim_ += items.size();
        bytes.clear();
        items.clear();
        if (options_.trimHeapEveryLines && linesSinceTrim_ >= options_.trimHeapEveryLines && options_.trimHeap) {
            linesSinceTrim_ = 0;
            options_.trimHeap();
        }
        if (stopping) break;
        std::lock_guard lk(stateMutex_);  // publish() may run on another thread too
        const auto wall = steady_clock::now();
        if (wall - lastPublish_ >= interval &&
            (dirty_ || statusChanged_.exchange(false) || wall - lastPublish_ >= seconds(1)))
            publishLocked();
    }
    std::lock_guard lk(stateMutex_);
    publishLocked();
}

void FeedPipeline::countRate(size_t lines) {
    const int64_t sec = duration_cast<seconds>(steady_clock::now() - started_).count();
    for (int64_t s = rateSecond_ + 1; s <= sec && s <= rateSecond_ + 10; ++s)
        rateBuckets_[static_cast<size_t>(s % 10)] = 0;
    rateSecond_ = std::max(rateSecond_, sec);
    rateBuckets_[static_cast<size_t>(rateSecond_ % 10)] += lines;
}

void FeedPipeline::publishLocked() {
    auto s = std::make_shared<FeedSnapshot>();
    s->version = state_.version();
    s->staleAfterMs = config_.staleAfterMs;
    s->squads = config_.squads;
    s->officers = state_.officers();
    s->counters = state_.counters();
    s->sources = state_.sources();
    for (size_t r = 0; r < kRejectReasonCount; ++r)
        s->samples[r].assign(state_.samples()[r].begin(), state_.samples()[r].end());
    if (!checkinsCopy_ || state_.checkinsVersion() != checkinsCopyVersion_) {
        checkinsCopy_ =
            std::make_shared<const std::vector<CheckIn>>(state_.checkins().begin(), state_.checkins().end());
        checkinsCopyVersion_ = state_.checkinsVersion();
    }
    if (!incidentsCopy_ || state_.incidentsVersion() != incidentsCopyVersion_) {
        incidentsCopy_ = std::make_shared<const std::vector<Incident>>(state_.incidents());
        incidentsCopyVersion_ = state_.incidentsVersion();
    }
    const auto wallNow = steady_clock::now();
    if (!activityCopy_ ||
        (state_.activityVersion() != activityCopyVersion_ && wallNow - activityCopiedAt_ >= seconds(1))) {
        activityCopy_ = std::make_shared<const std::vector<std::pair<int64_t, uint32_t>>>(state_.activity().begin(),
                                                                                          state_.activity().end());
        activityCopyVersion_ = state_.activityVersion();
        activityCopiedAt_ = wallNow;
    }
    s->tracks = state_.tracksView();
    if (options_.history) {
        s->hasHistory = true;
        s->history = options_.history->stats();
    }
    s->checkins = checkinsCopy_;
    s->incidents = incidentsCopy_;
    s->activity = activityCopy_;
    countRate(0);  // rolls the window forward when idle
    uint64_t total = 0;
    for (uint64_t b : rateBuckets_) total += b;
    const double window = std::clamp(duration<double>(steady_clock::now() - started_).count(), 1.0, 10.0);
    s->messagesPerSecond = static_cast<double>(total) / window;
    {
        std::lock_guard lk(queueMutex_);
        s->queuedLines = queue_.size();
    }
    {
        std::lock_guard lk(statusMutex_);
        s->transports = statuses_;
        for (size_t i = 0; i < s->transports.size(); ++i) {
            s->transports[i].lines = contexts_[i]->lines_.load();
            s->transports[i].bytes = contexts_[i]->bytes_.load();
        }
    }
    {
        std::lock_guard lk(snapMutex_);
        snapshot_ = std::move(s);
    }
    dirty_ = false;
    lastPublish_ = steady_clock::now();
}

std::shared_ptr<const FeedSnapshot> FeedPipeline::snapshot() {
    if (!running_.load()) {
        std::lock_guard lk(stateMutex_);
        if (dirty_ || statusChanged_.exchange(false)) publishLocked();
    }
    std::lock_guard lk(snapMutex_);
    return snapshot_;
}

void FeedPipeline::publish() {
    std::lock_guard lk(stateMutex_);
    publishLocked();
}

IngestOutcome FeedPipeline::ingestLine(std::string_view line, std::string_view source, uint64_t lineNo, TimeMs cutoff) {
    const TimeMs t = now();
    std::lock_guard lk(stateMutex_);
    const IngestOutcome o = state_.ingestLine(line, source, lineNo, t, cutoff, 0, wallClockMs());
    sendHistoryLocked();
    if (o != IngestOutcome::Empty) {
        countRate(1);
        dirty_ = true;
    }
    return o;
}

bool FeedPipeline::ingestFile(const std::string& path, TimeMs cutoff, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (error) *error = "cannot open feed file " + path;
        return false;
    }
    std::string line;
    uint64_t lineNo = 0;
    const TimeMs received = wallClockMs();
    // Applied in chunks so a running ingest thread is never held off for long.
    while (in) {
        const TimeMs t = now();
        std::lock_guard lk(stateMutex_);
        for (int i = 0; i < 4096 && std::getline(in, line); ++i)
            state_.ingestLine(line, path, ++lineNo, t, cutoff, 0, received);
        sendHistoryLocked();
        dirty_ = true;
    }
    return true;
}

void FeedPipeline::sendHistoryLocked() {
    if (!options_.history || state_.pendingHistory() == 0) return;
    // Never blocks ingest: a full writer queue drops its oldest rows (counted in the stats).
    options_.history->append(state_.takeHistory(), false);
}

HistoryLoad FeedPipeline::restoreHistory(TimeMs t0, TimeMs t1, std::string* error) {
    HistoryLoad result;
    if (!options_.history) {
        if (error) *error = "no history store";
        return result;
    }
    {
        std::lock_guard lk(stateMutex_);
        state_.restore([&](TrackStore& tracks) { result = options_.history->load(t0, t1, tracks); });
        activityCopy_.reset();  // the next snapshot shows the restored activity at once
        dirty_ = true;
    }
    if (!result.error.empty()) {
        if (error) *error = result.error;
        log::warn("history: " + result.error);
    }
    log::info("history: restored " + std::to_string(result.rows) + " fixes from " + options_.history->stats().target +
              " in " + std::to_string(static_cast<int>(result.ms)) + " ms");
    return result;
}

bool FeedPipeline::waitFor(const std::function<bool(const FeedSnapshot&)>& pred, milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
        if (pred(*snapshot())) return true;
        if (steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(milliseconds(10));
    }
}

}  // namespace sandtable
