// sim/play/reply.hpp — predict mode: does a student's reply say the same as the simulated
// value? Lenient about spelling, strict about the value.
#pragma once

#include <string>

namespace kesim::play {

// `truth` is the value as an assert prints it ("-1", "APC_LEVEL", "true", "STATUS_SUCCESS",
// "4097 (0x1001)"); `key` the assert key it belongs to. Accepted: the same text in any case;
// the same integer in decimal or 0x hex; yes/no/y/n for true/false; for `irql` the level's
// number or its name without "_LEVEL" (1, APC).
bool same_reply(const std::string& reply, const std::string& truth, const std::string& key);

}  // namespace kesim::play
