# R_386_GOT32 in instructions (assembled with -mrelax-relocations=no, the form older
# assemblers emit), with and without a base register, and a `lea` of a slot.
# kemu-as: -mrelax-relocations=no
# kemu-link: base=0xc0800000
# kemu-sym: ext_func = 0xc0100000
# kemu-sym: ext_data = 0xc0180040
	.text
	.globl	got32_entry
got32_entry:
	call	.Lthunk
.Lthunk:
	popl	%ebx
	addl	$_GLOBAL_OFFSET_TABLE_+[.-.Lthunk], %ebx	# R_386_GOTPC
	movl	ext_data@GOT(%ebx), %eax	# R_386_GOT32 with a base register
	movl	gvar@GOT(%ebx), %ecx
	movl	ext_func@GOT, %edx		# GOT32 without a base register: absolute slot address
	call	*ext_func@GOT(%ebx)		# GOT32 call
	.byte	0x8b, 0x15			# movl <absolute>, %edx, spelled out so the
	.reloc	., R_386_GOT32, ext_data	# relocation stays R_386_GOT32 with no base register
	.long	0
	ret
	.data
	.globl	gvar
gvar:
	.long	5
