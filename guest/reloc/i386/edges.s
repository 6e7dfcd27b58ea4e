# i386 fields exactly at the edge of overflow (GNU ld's rules, REL: the symbol part is checked
# first, then the sum with the in-place addend). .text sits at the base address, so P of the
# PC-relative fields is base + offset.
# kemu-link: base=0xc0800000
# kemu-sym: pc16_hi = base + 0 + 0xffff
# kemu-sym: pc16_lo = base + 2 - 0x10000
# kemu-sym: pc8_hi = base + 4 + 0x7f
# kemu-sym: pc8_lo = base + 5 - 0x80
# kemu-sym: pc16_mid = base + 6 + 0xff00
# kemu-sym: zero = 0
# kemu-sym: b16_max = 0xffff
# kemu-sym: b16_min = 0xffff0000
# kemu-sym: b8_max = 0xff
# kemu-sym: b8_min = 0xffffff00
# kemu-sym: b16_part = 0xff00
# kemu-sym: top = 0xffffffff
	.text
	.reloc	., R_386_PC16, pc16_hi		# offset 0: S - P = 0xffff (bitfield)
	.word	0
	.reloc	., R_386_PC16, pc16_lo		# offset 2: -0x10000
	.word	0
	.reloc	., R_386_PC8, pc8_hi		# offset 4: 0x7f (signed)
	.byte	0
	.reloc	., R_386_PC8, pc8_lo		# offset 5: -0x80
	.byte	0
	.reloc	., R_386_PC16, pc16_mid		# offset 6: 0xff00 plus in-place 0xff = 0xffff
	.word	0xff

	.data
	.reloc	., R_386_16, b16_max		# 0xffff
	.word	0
	.reloc	., R_386_16, b16_min		# -0x10000
	.word	0
	.reloc	., R_386_16, b16_part		# 0xff00 + in-place 0xff = 0xffff
	.word	0xff
	.reloc	., R_386_16, zero		# 0 + in-place -0x8000
	.word	-0x8000
	.reloc	., R_386_8, b8_max		# 0xff
	.byte	0
	.reloc	., R_386_8, b8_min		# -0x100
	.byte	0
	.reloc	., R_386_8, zero		# in-place -0x80
	.byte	-0x80
	.reloc	., R_386_32, top		# 32-bit fields wrap and never overflow
	.long	1
	.reloc	., R_386_PC32, zero		# 0 - P
	.long	0
