# One R_X86_64_PC32 field one past the edge of what it accepts: kemu must refuse it (RelocationOverflow)
# like GNU ld. The field is the first byte of .text, so P = base.
# kemu-link: base=0xffffffff80000000
# kemu-sym: far_fn = base + 0x80000000
# kemu-expect: RelocationOverflow R_X86_64_PC32
	.text
	.reloc	., R_X86_64_PC32, far_fn
	.long	0
