# Fuzzing (tests/fuzz/): a libFuzzer target feeding arbitrary frames and host
# actions to the fast path (fuzz_rx.c), built with clang, ASan and UBSan.
#   make fuzz [FUZZ_SECONDS=60]   fuzz for a while (new inputs: build/fuzz/corpus-work)
#   make fuzz-corpus              regenerate the committed seeds from the traces
#   make fuzz-diff FUZZ_DIFF_REF=<commit> [FUZZ_SECONDS=60]
#                                 differential: the core of <commit> against the
#                                 working tree's, every platform call and the end
#                                 state compared (fuzz_diff.c, fuzz-diff.sh)
# `make test` runs it for 20 s over the committed corpus (tests/fuzz/run-fuzz.sh).
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -fno-strict-aliasing -D_GNU_SOURCE -Iinclude -Ifirmware -Itests/lib -Itests/fuzz \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BIN     := $(B)/fuzz/fuzz_rx
FUZZ_SECONDS ?= 60
MKCORPUS     := $(B)/fuzz/mkcorpus
TOFFEE_TRACES ?= ../shared/traces/linux

$(FUZZ_BIN): tests/fuzz/fuzz_rx.c tests/fuzz/fuzz_input.h tests/lib/fphost.c tests/lib/fphost.h \
             $(FW_SRCS) $(wildcard firmware/*.h) include/toffee/abi.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_rx.c tests/lib/fphost.c $(FW_SRCS) -o $@

$(MKCORPUS): tests/fuzz/mkcorpus.c tests/fuzz/fuzz_input.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/fuzz $< -lpcap -o $@

fuzz: $(FUZZ_BIN)
	@tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS)

fuzz-corpus: $(MKCORPUS)
	rm -rf tests/fuzz/corpus && mkdir -p tests/fuzz/corpus
	$(MKCORPUS) tests/fuzz/corpus $(TOFFEE_TRACES)/*.pcap

TEST_DEPS += $(FUZZ_BIN)
TESTS += tests/fuzz/run-fuzz.sh
FUZZ_DIFF_REF ?= HEAD
fuzz-diff: | $(DEPS_STAMP)
	@tests/fuzz/fuzz-diff.sh $(FUZZ_DIFF_REF) $(FUZZ_SECONDS)

.PHONY: fuzz fuzz-corpus fuzz-diff
