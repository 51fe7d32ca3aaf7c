// The network's input space (Keras/Caffe VGG-19): BGR, 0..255, minus the mean pixel.
#ifndef NST_NET_SPACE_GLSL
#define NST_NET_SPACE_GLSL

const vec3 kMeanBgr = vec3(103.939, 116.779, 123.68);
const float kScale = 255.0;

#endif
