#include "core/cpu_limit_sampler.hpp"

#include <execinfo.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace sekimori::core {
namespace {

constexpr int kFrames = 24;
constexpr int kSignal = SIGPROF;  // the daemon profiles nothing else

// Written by the signal handler on the sampled thread only, read by the same thread after it.
thread_local void* tFrames[kFrames];
thread_local volatile sig_atomic_t tFrameCount = 0;
thread_local void* tInterrupted = nullptr;  // the program counter the signal interrupted

void onBudgetSpent(int, siginfo_t*, void* context) {
#if defined(__x86_64__)
    tInterrupted = reinterpret_cast<void*>(  // NOLINT: the kernel's register dump
        static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP]);
#else
    (void)context;
#endif
    tFrameCount = ::backtrace(tFrames, kFrames);
}

void installHandlerOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        void* warm[2];
        ::backtrace(warm, 2);  // loads the unwinder now, not inside the signal handler
        struct sigaction action {};
        action.sa_sigaction = onBudgetSpent;
        action.sa_flags = SA_RESTART | SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        ::sigaction(kSignal, &action, nullptr);
    });
}

itimerspec after(std::chrono::microseconds budget) {
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(budget.count() / 1000000);
    spec.it_value.tv_nsec = static_cast<long>((budget.count() % 1000000) * 1000);
    return spec;
}

std::string frameText(void* pc) {
    char text[512];
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_symbolize_pc(pc, "%p %F %L", text, sizeof text);
#else
    std::snprintf(text, sizeof text, "%p", pc);
#endif
    return text;
}

}  // namespace

CpuLimitSampler::CpuLimitSampler(std::chrono::microseconds budget) : budget_(budget) {
    installHandlerOnce();
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = kSignal;
    event._sigev_un._tid = ::gettid();
    timer_t timer{};
    if (::timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &timer) == 0) {
        timer_ = timer;
        ready_ = true;
    }
}

CpuLimitSampler::~CpuLimitSampler() {
    if (ready_) {
        ::timer_delete(static_cast<timer_t>(timer_));
    }
}

void CpuLimitSampler::arm() {
    tFrameCount = 0;
    if (ready_) {
        const itimerspec spec = after(budget_);
        ::timer_settime(static_cast<timer_t>(timer_), 0, &spec, nullptr);
    }
}

void CpuLimitSampler::disarm() {
    if (ready_) {
        const itimerspec stop{};
        ::timer_settime(static_cast<timer_t>(timer_), 0, &stop, nullptr);
    }
}

std::string CpuLimitSampler::stack() const {
    std::string text;
    // The first frames are the signal handler's own (and the runtime's around it): the stack
    // starts at the interrupted program counter when the unwinder found it, else at the top.
    int first = 0;
    for (int i = 0; i < tFrameCount; ++i) {
        if (tFrames[i] == tInterrupted) {
            first = i;
            break;
        }
    }
    for (int i = first; i < tFrameCount; ++i) {
        text += "  #" + std::to_string(i - first) + " " + frameText(tFrames[i]) + "\n";
    }
    return text;
}

}  // namespace sekimori::core
