// common.js — page helpers used by every template
function showDate() {
  var d = new Date(), w = ["日", "一", "二", "三", "四", "五", "六"];
  document.write(d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 星期" + w[d.getDay()]);
}
function SetHome(obj) { try { obj.style.behavior = "url(#default#homepage)"; obj.setHomePage(location.href); } catch (e) { alert("请使用浏览器菜单设置首页"); } }
function AddFavorite() { alert("请按 Ctrl+D 加入收藏"); }
function doZoom(size) { var z = document.getElementById("zoom"); if (z) { z.style.fontSize = size + "px"; } }

// TRS WCM pagination: createPageHTML(pageCount, currentIndex, "index", "html")
// writes links to index.html, index_1.html … index_{n-1}.html
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var nCurrIndex = _nCurrIndex || 0;
  function pageUrl(i) { return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; }
  if (nCurrIndex == 0) {
    document.write("<span>首页</span> <span>上一页</span> ");
  } else {
    document.write("<a href=\"" + pageUrl(0) + "\">首页</a> ");
    document.write("<a href=\"" + pageUrl(nCurrIndex - 1) + "\">上一页</a> ");
  }
  for (var i = 0; i < _nPageCount; i++) {
    if (i == nCurrIndex) { document.write("<span class=\"cur\">" + (i + 1) + "</span> "); }
    else { document.write("<a href=\"" + pageUrl(i) + "\">" + (i + 1) + "</a> "); }
  }
  if (nCurrIndex == _nPageCount - 1) {
    document.write("<span>下一页</span> <span>尾页</span>");
  } else {
    document.write("<a href=\"" + pageUrl(nCurrIndex + 1) + "\">下一页</a> ");
    document.write("<a href=\"" + pageUrl(_nPageCount - 1) + "\">尾页</a>");
  }
  document.write(" <span>共" + _nPageCount + "页</span>");
}
