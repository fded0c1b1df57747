#include "sim/fingerprint_model.hpp"

#include <string>

namespace sekimori::sim {

namespace {

core::Bytes hashBytes(const std::string& input) {
    const auto hash = core::sha256(input);
    return core::Bytes(hash.begin(), hash.end());
}

}  // namespace

core::Bytes fingerprintTemplateFromSeed(std::string_view seed) {
    const std::string base = "finger:" + std::string(seed) + ":";
    return hashBytes(base + "0") + hashBytes(base + "1");
}

core::Bytes fingerprintSampleFromSeed(std::string_view seed, std::uint64_t tryIndex) {
    core::Bytes sample = fingerprintTemplateFromSeed(seed);
    const auto noise = core::sha256("noise:" + std::string(seed) + ":" + std::to_string(tryIndex));
    for (int i = 0; i < kFingerprintNoiseBytes; ++i) {
        const std::size_t position = noise[2 * i] % kFingerprintTemplateBytes;
        // Never XOR with 0, so a chosen byte always changes.
        const auto flip = static_cast<unsigned char>(noise[2 * i + 1] | 1u);
        sample[position] = static_cast<char>(static_cast<unsigned char>(sample[position]) ^ flip);
    }
    return sample;
}

int fingerprintScore(std::string_view fingerprintTemplate, std::string_view liveSample) {
    if (fingerprintTemplate.size() != kFingerprintTemplateBytes ||
        liveSample.size() != kFingerprintTemplateBytes) {
        return 0;
    }
    int matching = 0;
    for (std::size_t i = 0; i < kFingerprintTemplateBytes; ++i) {
        matching += fingerprintTemplate[i] == liveSample[i] ? 1 : 0;
    }
    return matching * 100 / static_cast<int>(kFingerprintTemplateBytes);
}

}  // namespace sekimori::sim
