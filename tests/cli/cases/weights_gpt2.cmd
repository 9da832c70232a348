# GPT-2's fused c_attn, cat(q, k, v).T stored [in, 3*out]: every part is cut
# along axis 1 and compared after permute(1,0), the square q (and in layer 0
# the square k and v) as well as grouped-query k and v
parity weights weights/gpt2_ref.pt weights/gpt2_port.safetensors
