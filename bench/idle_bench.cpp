// `idle`: what the cockpit costs a wall that runs all day with nobody touching it. The
// real `sandtable` window (beside this binary) on the Putuo sample with its simulated feed,
// panel hidden, in an Xvfb display of its own; after it has settled, its CPU time (user +
// system, all threads, from /proc/PID/stat) over a window of wall time, and the frames it
// drew meanwhile (its --trace). Skipped, with the reason in the line, where there is no
// Xvfb (or DISPLAY) or no sandtable binary.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.hpp"

extern char** environ;

namespace sandtable::bench {

namespace {

namespace fs = std::filesystem;

std::string findInPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream ss(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(ss, dir, ':');) {
        const fs::path p = fs::path(dir) / name;
        if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
    }
    return {};
}

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& extraEnv, const std::string& log) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> envStore;
    for (char** e = environ; *e; ++e) {
        const std::string v(*e);
        bool replaced = false;
        for (const std::string& x : extraEnv) replaced |= v.substr(0, v.find('=') + 1) == x.substr(0, x.find('=') + 1);
        if (!replaced) envStore.push_back(v);
    }
    for (const std::string& x : extraEnv) envStore.push_back(x);
    std::vector<char*> envp;
    for (std::string& v : envStore) envp.push_back(v.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

// User + system CPU seconds of a process (all its threads), from /proc/PID/stat.
double cpuSeconds(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(f, line)) return NAN;
    const size_t close = line.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return NAN;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

size_t countFrames(const std::string& trace) {
    std::ifstream f(trace);
    size_t n = 0;
    for (std::string line; std::getline(f, line);) n += line.find("\"event\":\"frame\"") != std::string::npos;
    return n;
}

void stop(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
}

}  // namespace

void runIdle(Env& env) {
    const int width = env.options.width > 0 ? env.options.width : 1920;
    const int height = env.options.height > 0 ? env.options.height : 1080;
    nlohmann::json j = env.record("idle", "cockpit, Putuo sample, panel hidden, untouched", width, height);
    const double settleS = env.options.quick ? 4.0 : 8.0, measureS = env.options.quick ? 5.0 : 30.0;
    j["sizes"] = {{"settle_s", settleS}, {"measure_s", measureS}};
    const fs::path self = fs::read_symlink("/proc/self/exe");
    const fs::path app = self.parent_path() / "sandtable";
    const std::string xvfb = findInPath("Xvfb");
    const char* display = std::getenv("DISPLAY");
    std::string skip;
    if (::access(app.c_str(), X_OK) != 0)
        skip = "no sandtable binary beside sandtable-bench (" + app.string() + "): build the sandtable target";
    else if (xvfb.empty() && !(display && *display))
        skip = "no Xvfb on PATH and no DISPLAY: the cockpit needs a window";
    if (!skip.empty()) {
        j["skipped"] = skip;
        env.out->emit(j);
        return;
    }
    const fs::path dir = fs::temp_directory_path() / ("sandtable-idle-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    pid_t server = -1;
    std::string useDisplay = display ? display : "";
    if (!xvfb.empty()) {
        // A display number nobody uses.
        int n = 91;
        while (n < 200 && (fs::exists("/tmp/.X11-unix/X" + std::to_string(n)) ||
                           fs::exists("/tmp/.X" + std::to_string(n) + "-lock")))
            ++n;
        useDisplay = ":" + std::to_string(n);
        server = spawn({xvfb, useDisplay, "-screen", "0", std::to_string(width) + "x" + std::to_string(height) + "x24",
                        "-nolisten", "tcp"},
                       {}, (dir / "xvfb.log").string());
        for (int i = 0; i < 100 && !fs::exists("/tmp/.X11-unix/X" + std::to_string(n)); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!fs::exists("/tmp/.X11-unix/X" + std::to_string(n))) {
            stop(server);
            j["skipped"] = "Xvfb did not start (" + (dir / "xvfb.log").string() + ")";
            env.out->emit(j);
            return;
        }
    }
    const std::string trace = (dir / "trace.jsonl").string();
    const double total = settleS + measureS + 3.0;
    const pid_t cockpit =
        spawn({app.string(), "--scene", env.options.scene, "--no-panel", "--width", std::to_string(width), "--height",
               std::to_string(height), "--exit-after", std::to_string(total), "--trace", trace},
              {"DISPLAY=" + useDisplay}, (dir / "sandtable.log").string());
    std::this_thread::sleep_for(std::chrono::duration<double>(settleS));
    const double cpu0 = cpuSeconds(cockpit);
    const size_t frames0 = countFrames(trace);
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(measureS));
    const double cpu1 = cpuSeconds(cockpit);
    const size_t frames1 = countFrames(trace);
    const double wall = msSince(t0) / 1000.0;
    stop(cockpit);
    stop(server);
    if (!(cpu1 >= cpu0)) {
        j["skipped"] = "the cockpit exited early (" + (dir / "sandtable.log").string() + ")";
        env.out->emit(j);
        return;
    }
    j["display"] = xvfb.empty() ? "DISPLAY " + useDisplay : "Xvfb " + useDisplay;
    j["cpu_s"] = cpu1 - cpu0;
    j["wall_s"] = wall;
    j["cpu_share_of_one_core"] = (cpu1 - cpu0) / wall;
    j["cpu_share_of_machine"] = (cpu1 - cpu0) / wall / std::max(1u, std::thread::hardware_concurrency());
    j["frames_per_s"] = static_cast<double>(frames1 - frames0) / wall;
    std::error_code ec;
    fs::remove_all(dir, ec);
    env.out->emit(j);
}

}  // namespace sandtable::bench
