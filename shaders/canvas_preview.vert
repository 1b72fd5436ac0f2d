#version 450 core
// A zoom gesture's preview on software GL (Map::zoomPreview): the canvas cache as one
// quad (a triangle strip), its corners placed where the view now shows them. The corners
// are the centres of the cache's corner pixels, so that bilinear filtering never reaches
// past its edge into the pixels on its other side (the cache is addressed modulo its
// size and repeats). The fragment shader is a plain texture fetch, which llvmpipe runs on
// its fast path.
uniform vec2 uScreen[4];  // canvas pixels, rows from the top: the corners in strip order
uniform vec2 uTex[4];     // their texture coordinates (ring offset included, may pass 1)
uniform vec2 uCanvas;     // the viewport's size in pixels
out vec2 vTex;
void main() {
    vec2 s = uScreen[gl_VertexID];
    vTex = uTex[gl_VertexID];
    gl_Position = vec4(s.x / uCanvas.x * 2.0 - 1.0, 1.0 - s.y / uCanvas.y * 2.0, 0.0, 1.0);
}
