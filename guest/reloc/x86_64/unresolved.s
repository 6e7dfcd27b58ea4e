# Undefined symbols the resolver does not know: kemu must list every one with every place
# that refers to it (and ignore the weak one, which becomes 0).
# kemu-link: base=0xffffffff80000000
# kemu-sym: known = 0xffffffff81000000
# kemu-expect: UnresolvedSymbols missing_fn missing_data
	.text
	.globl	uses_missing
uses_missing:
	call	missing_fn
	call	known
	movq	missing_data(%rip), %rax
	call	missing_fn
	movq	$maybe, %rax
	ret
	.data
	.quad	missing_data + 8
	.weak	maybe
