# One R_386_PC16 field past the edge of what GNU ld accepts: kemu must refuse it too. The field is the
# first byte of .text, so P = base.
# kemu-link: base=0xc0800000
# kemu-sym: far_word = base + 0x10000
# kemu-expect: RelocationOverflow R_386_PC16
	.text
	.reloc	., R_386_PC16, far_word
	.word	0
