#pragma once
// A stand-in for a fingerprint sensor and matcher, so the three-factor flow runs end to end
// without hardware. A "finger" is a seed string: its template is 64 bytes derived from the seed,
// a live sample is that template with a few bytes of noise that differ on every try, and the
// score is the fraction of matching bytes. Same seed: >= 85; different seeds: <= 10.
// Enrollment (the admin CLI) calls fingerprintTemplateFromSeed to enroll a person's finger.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/crypto.hpp"

namespace sekimori::sim {

constexpr std::size_t kFingerprintTemplateBytes = 64;
// Bytes of a live sample that differ from the template (at most; positions may coincide).
constexpr int kFingerprintNoiseBytes = 4;

// 64 bytes: SHA-256("finger:" + seed + ":0") || SHA-256("finger:" + seed + ":1").
core::Bytes fingerprintTemplateFromSeed(std::string_view seed);
// The template of `seed` with kFingerprintNoiseBytes bytes changed, chosen deterministically
// from (seed, tryIndex): the same try always gives the same sample.
core::Bytes fingerprintSampleFromSeed(std::string_view seed, std::uint64_t tryIndex);
// 0..100: matching bytes as a percentage, rounded down; 0 when either is not 64 bytes.
int fingerprintScore(std::string_view fingerprintTemplate, std::string_view liveSample);

}  // namespace sekimori::sim
