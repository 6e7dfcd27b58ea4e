# Fields exactly at the edge of overflow: every value here is the largest or smallest the
# field accepts under GNU ld's rules, so kemu and ld must both accept them. .text sits at the
# base address, so the PC-relative fields below have known addresses P = base + offset.
# kemu-link: base=0xffffffff80000000
# kemu-sym: pc32_hi = base + 0 + 0x7fffffff
# kemu-sym: pc32_lo = base + 4 - 0x80000000
# kemu-sym: plt32_hi = base + 8 + 0x7fffffff + 4
# kemu-sym: pc16_hi = base + 12 + 0xffff
# kemu-sym: pc16_lo = base + 14 - 0x10000
# kemu-sym: pc8_hi = base + 16 + 0x7f
# kemu-sym: pc8_lo = base + 17 - 0x80
# kemu-sym: zero = 0
# kemu-sym: u32_max = 0xffffffff
# kemu-sym: s32_max = 0x7fffffff
# kemu-sym: s32_min = 0xffffffff80000000
# kemu-sym: b16_max = 0xffff
# kemu-sym: b16_min = 0xffffffffffff0000
# kemu-sym: b8_max = 0xff
# kemu-sym: b8_min = 0xffffffffffffff00
	.text
	.reloc	., R_X86_64_PC32, pc32_hi	# offset 0: S - P = 0x7fffffff
	.long	0
	.reloc	., R_X86_64_PC32, pc32_lo	# offset 4: S - P = -0x80000000
	.long	0
	.reloc	., R_X86_64_PLT32, plt32_hi-4	# offset 8: S + A - P = 0x7fffffff
	.long	0
	.reloc	., R_X86_64_PC16, pc16_hi	# offset 12: 0xffff (bitfield)
	.word	0
	.reloc	., R_X86_64_PC16, pc16_lo	# offset 14: -0x10000 (bitfield)
	.word	0
	.reloc	., R_X86_64_PC8, pc8_hi		# offset 16: 0x7f (signed)
	.byte	0
	.reloc	., R_X86_64_PC8, pc8_lo		# offset 17: -0x80 (signed)
	.byte	0

	.data
	.reloc	., R_X86_64_32, u32_max		# 0xffffffff
	.long	0
	.reloc	., R_X86_64_32, zero		# 0
	.long	0
	.reloc	., R_X86_64_32, zero+0xffffffff	# addend reaches the top
	.long	0
	.reloc	., R_X86_64_32S, s32_max	# 0x7fffffff
	.long	0
	.reloc	., R_X86_64_32S, s32_min	# -0x80000000
	.long	0
	.reloc	., R_X86_64_32S, s32_max-0xffffffff	# -0x80000000 through a negative addend
	.long	0
	.reloc	., R_X86_64_16, b16_max		# 0xffff
	.word	0
	.reloc	., R_X86_64_16, b16_min		# -0x10000
	.word	0
	.reloc	., R_X86_64_8, b8_max		# 0xff
	.byte	0
	.reloc	., R_X86_64_8, b8_min		# -0x100
	.byte	0
	.reloc	., R_X86_64_SIZE32, zero+0xffffffff	# size 0 + 0xffffffff
	.long	0
	.reloc	., R_X86_64_SIZE32, zero	# size 0
	.long	0
