# a PyTorch state dict keeps its keys in module order (an OrderedDict): info
# lists them so (fc.weight before fc.bias) and says it is the file's own order
parity info weights/copies_ref.pt
