// Fuzz target: the indicators' records reader (engine/indicators/records.*, over
// engine/data/record_table.* and OGR's CSV driver). The input is a records folder in one
// file: up to seven CSV tables separated by lines "%%", in the order complaints, cases,
// checkpoints, checkins, objects, inspections, training; a table the input does not
// reach is written with its header only. The files go to /vsimem/. A bad row must be a
// counted BadRow, a table that cannot be read a RecordsError; nothing else.
#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/feed/protocol.hpp"
#include "engine/indicators/records.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace sandtable;
using namespace sandtable::indicators;

namespace {

// The headers of data/putuo/records/*.csv.
constexpr std::array<const char*, kTableCount> kHeaders = {
    "id,squad,received_at,first_contact_at,due_at,closed_at,resolved,satisfaction,lon,lat\n",
    "id,squad,opened_at,closed_at,non_site,review_score,lon,lat,crs\n",
    "id,squad,level,lon,lat\n",
    "checkpoint,officer,at\n",
    "id,squad,kind,colour,lon,lat,crs\n",
    "object,at\n",
    "squad,at,attendees\n",
};

const SquadCatalogue& catalogue() {
    static const SquadCatalogue c = [] {
        std::vector<SquadInfo> squads;
        for (const std::string& id : defaultSquadIds()) {
            SquadInfo s;
            s.id = id;
            s.code = "310107";
            squads.push_back(s);
        }
        return SquadCatalogue(std::move(squads));
    }();
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::initGdal();
    const std::string dir = "/vsimem/fuzz_records";
    VSIMkdir(dir.c_str(), 0755);
    // Split at lines "%%"; past the seventh table a "%%" line is just a line.
    const std::string_view in = fuzz::asText(data, size);
    std::array<std::string, kTableCount> parts;
    std::array<bool, kTableCount> reached{};
    reached[0] = true;
    size_t t = 0;
    for (size_t pos = 0; pos < in.size();) {
        const size_t nl = in.find('\n', pos);
        const size_t end = nl == std::string_view::npos ? in.size() : nl + 1;
        const std::string_view line = in.substr(pos, end - pos);
        pos = end;
        if ((line == "%%\n" || line == "%%") && t + 1 < kTableCount) {
            reached[++t] = true;
            continue;
        }
        parts[t].append(line);
    }
    std::vector<std::unique_ptr<fuzz::MemFile>> files;
    for (size_t i = 0; i < kTableCount; ++i)
        files.push_back(std::make_unique<fuzz::MemFile>(dir + "/" + tableName(static_cast<Table>(i)) + ".csv",
                                                        reached[i] ? std::string_view(parts[i]) : kHeaders[i]));
    try {
        const Records r = readRecords(dir, catalogue());
        size_t rows = 0;
        for (size_t n : r.rowsRead) rows += n;
        if (r.badRows.size() > rows) fuzz::bug("more bad rows than rows read");
    } catch (const RecordsError&) {
        // a table that cannot be read at all: a clear error, fine
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: readRecords threw %s\n", e.what());
        fuzz::bug("readRecords threw something other than RecordsError");
    }
    files.clear();
    VSIRmdir(dir.c_str());
    return 0;
}
