# An R_X86_64_REX_GOTPCRELX field whose addend pushes it past the signed 32-bit range: the GOT is near,
# so S/G/GOT - P is small and A = 0x80000100 makes the value overflow. kemu refuses it like ld.
# kemu-link: base=0xffffffff80000000
# kemu-sym: ext_data = 0xffffffff81800040
# kemu-expect: RelocationOverflow R_X86_64_REX_GOTPCRELX
	.data
	.quad	0
	.reloc	., R_X86_64_REX_GOTPCRELX, ext_data+0x80000100
	.long	0
