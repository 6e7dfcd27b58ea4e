# The rest of the GOT family: R_X86_64_GOTPCREL (assembled with -mrelax-relocations=no, so ld
# may not rewrite it), GOT32, GOT64, GOTPLT64, GOTPCREL64, GOTOFF64, PLTOFF64, GOTPC32 and
# GOTPC64, in code (large-model PIC sequences) and in data.
# kemu-as: -mrelax-relocations=no
# kemu-link: base=0xffffffff80000000
# kemu-sym: ext_func = 0xffffffff81000000
# kemu-sym: ext_data = 0xffffffff81800040
	.text
	.globl	got_entry
	.type	got_entry, @function
got_entry:
	movq	ext_func@GOTPCREL(%rip), %rax	# R_X86_64_GOTPCREL
	movq	gvar@GOTPCREL+8(%rip), %rax	# GOTPCREL with an addend (points past the slot)
	call	*ext_func@GOTPCREL(%rip)	# GOTPCREL call
.Lbase:
	leaq	.Lbase(%rip), %rbx		# large-model PIC: GOT base into rbx
	movabsq	$_GLOBAL_OFFSET_TABLE_-.Lbase, %r11	# R_X86_64_GOTPC64 (addend = field - .Lbase)
	addq	%r11, %rbx
	movabsq	$ext_data@GOT, %rax		# R_X86_64_GOT64
	movabsq	$gvar@GOTOFF, %rcx		# R_X86_64_GOTOFF64
	movabsq	$local_fn@GOTOFF-8, %rcx	# GOTOFF64 against a local, negative addend
	movabsq	$ext_func@PLTOFF, %rdx		# R_X86_64_PLTOFF64
	movabsq	$gvar@GOTPLT, %rsi		# R_X86_64_GOTPLT64
	movabsq	$wu@GOT, %rdi			# GOT64 for a weak undefined symbol
	ret
	.size	got_entry, .-got_entry
local_fn:
	ret

	.section .rodata,"a",@progbits
	.align	8
got_refs:
	.quad	ext_func@GOTPCREL		# R_X86_64_GOTPCREL64 in data
	.quad	gvar@GOTPCREL+16		# GOTPCREL64 with addend
	.quad	gvar@GOTOFF			# GOTOFF64 in data
	.quad	_GLOBAL_OFFSET_TABLE_ - .	# R_X86_64_GOTPC64 in data
	.long	_GLOBAL_OFFSET_TABLE_ - .	# R_X86_64_GOTPC32
	.long	_GLOBAL_OFFSET_TABLE_ - . + 12	# GOTPC32 with addend
	.long	ext_data@GOTPCREL		# GOTPCREL in data
	.long	ext_func@GOT			# R_X86_64_GOT32
	.long	local_fn@GOT			# GOT32 against a local
	.reloc	., R_X86_64_GOTPCREL64, ext_data-8
	.quad	0

	.data
	.globl	gvar
	.type	gvar, @object
gvar:
	.quad	7, 8, 9
	.size	gvar, 24
	.weak	wu
