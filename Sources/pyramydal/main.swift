print("pyramydal")
